//! Facet counts: counters filled row by row over the matching signals, spread over values at the end.
use super::*;

/// Counters filled row by row: per facet combination, and per IP and user list (the two facets
/// that vary too much to sit in the combination). Spread over values at the end.
pub(super) struct Counts {
    combo: Vec<u32>,
    ips: Vec<u32>,
    users: Vec<u32>,
}

impl Counts {
    pub(super) fn new(ix: &SignalIndex) -> Counts {
        Counts {
            combo: vec![0; ix.combos.len()],
            ips: vec![0; ix.multi[MultiCol::Ip as usize].lists.len()],
            users: vec![0; ix.multi[MultiCol::User as usize].lists.len()],
        }
    }

    #[inline]
    pub(super) fn add(&mut self, ix: &SignalIndex, r: usize) {
        let bump = |v: &mut Vec<u32>, i: u32| {
            if let Some(c) = v.get_mut(i as usize) {
                *c += 1;
            }
        };
        bump(&mut self.combo, ix.combo[r]);
        bump(&mut self.ips, ix.multi[MultiCol::Ip as usize].rows[r]);
        bump(&mut self.users, ix.multi[MultiCol::User as usize].rows[r]);
    }

    pub(super) fn facets(self, ix: &SignalIndex, k: usize) -> Vec<Facet> {
        let mut state = [0u32; 3];
        let mut sev = [0u32; 5];
        let mut assignee = vec![0u32; ix.assignees.len()];
        let mut env = vec![0u32; ix.single_dict[SingleCol::Env as usize].len()];
        let mut rule = vec![0u32; ix.single_dict[SingleCol::RuleName as usize].len()];
        let mut lists: [Vec<u32>; MULTI_COLS] =
            std::array::from_fn(|c| vec![0; ix.multi[c].lists.len()]);
        let add = |v: &mut [u32], i: u32, n: u32| {
            if let Some(c) = v.get_mut(i as usize) {
                *c += n;
            }
        };
        for (c, &n) in self.combo.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let Some(combo) = ix.combos.get(c as u32) else {
                continue;
            };
            add(&mut state, combo[COMBO_STATE], n);
            add(&mut sev, combo[COMBO_SEV], n);
            add(&mut assignee, combo[COMBO_ASSIGNEE], n);
            add(&mut env, combo[COMBO_ENV], n);
            add(&mut rule, combo[COMBO_RULE], n);
            add(
                &mut lists[MultiCol::Service as usize],
                combo[COMBO_SERVICES],
                n,
            );
            add(&mut lists[MultiCol::Tag as usize], combo[COMBO_TAGS], n);
            add(
                &mut lists[MultiCol::AttackType as usize],
                combo[COMBO_TYPES],
                n,
            );
        }
        lists[MultiCol::Ip as usize] = self.ips;
        lists[MultiCol::User as usize] = self.users;
        // Per list, then per value.
        let values: Vec<Vec<u32>> = (0..MULTI_COLS)
            .map(|c| {
                let m = &ix.multi[c];
                let mut per_value = vec![0u32; m.dict.len()];
                for (l, &n) in lists[c].iter().enumerate() {
                    if n > 0 {
                        for &v in m.lists.get(l as u32).map_or(&[][..], |x| x) {
                            add(&mut per_value, v, n);
                        }
                    }
                }
                per_value
            })
            .collect();

        let mut out = Vec::new();
        let named =
            |name: &'static str, key: &str, counts: &[u32], text: &dyn Fn(u32) -> String| {
                let (values, distinct) = top(counts, k, text);
                Facet {
                    name,
                    key: key.to_string(),
                    values,
                    distinct,
                }
            };
        out.push(named(
            "Signal State",
            "@workflow.triage.state",
            &state,
            &|i| state_of(i as u8).as_str().to_string(),
        ));
        out.push(named("Severity", "status", &sev, &|i| {
            severity_of(i as u8).as_str().to_string()
        }));
        let mdict = |c: MultiCol| &ix.multi[c as usize].dict;
        out.push(named(
            "Service",
            "service",
            &values[MultiCol::Service as usize],
            &dict_text(mdict(MultiCol::Service)),
        ));
        out.push(named(
            "Env",
            "env",
            &env,
            &dict_text(&ix.single_dict[SingleCol::Env as usize]),
        ));
        out.push(named(
            "Rule",
            "@workflow.rule.name",
            &rule,
            &dict_text(&ix.single_dict[SingleCol::RuleName as usize]),
        ));
        out.push(named(
            "Attack Type",
            "@appsec.type",
            &values[MultiCol::AttackType as usize],
            &dict_text(mdict(MultiCol::AttackType)),
        ));
        out.push(named(
            "Attacker IP",
            "@http.client_ip",
            &values[MultiCol::Ip as usize],
            &dict_text(mdict(MultiCol::Ip)),
        ));
        out.push(named(
            "User",
            "@usr.id",
            &values[MultiCol::User as usize],
            &dict_text(mdict(MultiCol::User)),
        ));
        // Several assignee entries may share a handle (a renamed user): merge by handle.
        let mut handles: crate::query::intern::Dict<Box<str>> = Default::default();
        let mut by_handle: Vec<u32> = Vec::new();
        for (i, &c) in assignee.iter().enumerate() {
            if c > 0 {
                if let Some((_, h, _)) = ix.assignees.get(i as u32) {
                    if !h.is_empty() {
                        let j = handles.intern_str(h) as usize;
                        by_handle.resize(by_handle.len().max(j + 1), 0);
                        by_handle[j] += c;
                    }
                }
            }
        }
        out.push(named(
            "Assignee",
            "@workflow.triage.assignee.handle",
            &by_handle,
            &dict_text(&handles),
        ));
        // Tags, one facet per key; env and service have their own facets above.
        let tags = mdict(MultiCol::Tag);
        let mut by_key: std::collections::BTreeMap<&str, Vec<(String, u32)>> = Default::default();
        for (i, &c) in values[MultiCol::Tag as usize].iter().enumerate() {
            if c == 0 {
                continue;
            }
            if let Some((key, value)) = tags.str_of(i as u32).split_once(':') {
                if !key.is_empty() && key != "env" && key != "service" {
                    by_key.entry(key).or_default().push((value.to_string(), c));
                }
            }
        }
        for (key, mut pairs) in by_key {
            let distinct = pairs.len();
            pairs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            pairs.truncate(k);
            out.push(Facet {
                name: "Tag",
                key: key.to_string(),
                values: pairs,
                distinct,
            });
        }
        out
    }
}

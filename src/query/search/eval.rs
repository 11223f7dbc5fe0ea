//! Evaluating a compiled plan into a bitmap of rows: dictionary tests once per distinct value, then
//! one lookup per row.
use super::*;

impl SignalIndex {
    pub(super) fn eval(&self, p: &Plan, n: usize) -> Bits {
        match p {
            Plan::Const(b) => bits_new(n, *b),
            Plan::Bits(b) => b.clone(),
            Plan::And(xs) => {
                let mut acc = bits_new(n, true);
                for x in xs {
                    let b = self.eval(x, n);
                    acc.iter_mut().zip(b).for_each(|(a, b)| *a &= b);
                }
                acc
            }
            Plan::Or(xs) => {
                let mut acc = bits_new(n, false);
                for x in xs {
                    if matches!(x, Plan::Const(false)) {
                        continue;
                    }
                    let b = self.eval(x, n);
                    acc.iter_mut().zip(b).for_each(|(a, b)| *a |= b);
                }
                acc
            }
            Plan::Not(x) => {
                let mut b = self.eval(x, n);
                b.iter_mut().for_each(|w| *w = !*w);
                b
            }
            Plan::Code(c, mask) => {
                let col = match c {
                    CodeCol::Severity => &self.sev,
                    CodeCol::State => &self.state,
                    CodeCol::Reason => &self.reason,
                };
                scan(col, |&v| v < 32 && mask >> v & 1 == 1)
            }
            Plan::Single(c, ok) => {
                // Once per distinct set of single values, then one lookup per row.
                let set_ok: Vec<bool> = self
                    .singles_ids
                    .iter()
                    .map(|ids| {
                        let v = ids[*c as usize];
                        v != NONE && ok.get(v as usize).copied().unwrap_or(false)
                    })
                    .collect();
                scan(&self.singles_row, |&e| {
                    set_ok.get(e as usize).copied().unwrap_or(false)
                })
            }
            Plan::Assignee(ok) => {
                let ok = ok.as_slice();
                scan(&self.assignee, |&v| {
                    v != NONE && ok.get(v as usize).copied().unwrap_or(false)
                })
            }
            Plan::MsgTpl(ok) => {
                let ok = ok.as_slice();
                scan(&self.msg_tpl, |&v| {
                    ok.get(v as usize).copied().unwrap_or(false)
                })
            }
            Plan::MsgDigits(m, phrase) => digits::message_rows(self, m, phrase),
            Plan::MsgRows(m) => {
                // Once per distinct (template, digits) pair.
                let mut seen: HashMap<u64, bool, crate::query::intern::FxBuild> =
                    HashMap::default();
                let digits = &self.msg_digits.rows;
                let mut out = bits_new(n, false);
                for (r, (&t, &d)) in self.msg_tpl.iter().zip(digits).enumerate() {
                    let key = (u64::from(t) << 32) | u64::from(d);
                    let hit = *seen
                        .entry(key)
                        .or_insert_with(|| m.matches(&self.message(r as u32)));
                    if hit {
                        out[r >> 6] |= 1 << (r & 63);
                    }
                }
                out
            }
            Plan::Multi(c, ok) => self.scan_multi(&self.multi[*c as usize], ok, n),
            Plan::Extra(ok) => self.scan_multi(&self.extra, ok, n),
            Plan::Number(c, v) => {
                let (col, time) = match c {
                    NumCol::Events => (&self.events, false),
                    NumCol::FirstSeen => (&self.first_seen, true),
                    NumCol::LastSeen => (&self.last_seen, true),
                };
                // Numbers repeat (events_matched) or are times; cache per distinct value.
                let mut seen: HashMap<i64, bool, crate::query::intern::FxBuild> =
                    HashMap::default();
                scan(col, |&x| {
                    if x == NO_NUMBER && !time {
                        return false;
                    }
                    *seen.entry(x).or_insert_with(|| {
                        let val = if time {
                            Val::Time(x)
                        } else {
                            Val::Num(x as f64)
                        };
                        match_value(v, &val)
                    })
                })
            }
        }
    }

    fn scan_multi(&self, m: &crate::query::index::Multi, ok: &[bool], n: usize) -> Bits {
        if !ok.iter().any(|&b| b) {
            return bits_new(n, false);
        }
        // Once per distinct list, then one lookup per row.
        let list_ok: Vec<bool> = m
            .lists
            .items()
            .iter()
            .map(|l| {
                l.iter()
                    .any(|&v| ok.get(v as usize).copied().unwrap_or(false))
            })
            .collect();
        scan(&m.rows, |&l| {
            list_ok.get(l as usize).copied().unwrap_or(false)
        })
    }
}

fn scan<T>(col: &[T], mut f: impl FnMut(&T) -> bool) -> Bits {
    let mut out = bits_new(col.len(), false);
    for (w, chunk) in out.iter_mut().zip(col.chunks(64)) {
        let mut word = 0u64;
        for (i, x) in chunk.iter().enumerate() {
            word |= (f(x) as u64) << i;
        }
        *w = word;
    }
    out
}

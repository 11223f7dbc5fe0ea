//! Writing a signal into the index's columns; the attacker lists and other attributes are looked up
//! by `Side`, which `insert_prepared_all` runs on a second thread.
use super::*;

impl SignalIndex {
    /// Write every column of a row; `r` is either an existing row or exactly the next one.
    pub(super) fn write_row(&mut self, r: u32, p: &PreparedSignal, buf: &mut Vec<u32>) {
        self.write_main(r, p, buf);
        let [_, _, ips, users, _] = &mut self.multi;
        let [ip, user, ex] = Side {
            ips,
            users,
            extra: &mut self.extra,
            paths: &mut self.paths,
            extra_dict: &mut self.extra_dict,
        }
        .lists(p, buf);
        self.multi[MultiCol::Ip as usize].set_list(r, ip);
        self.multi[MultiCol::User as usize].set_list(r, user);
        self.extra.set_list(r, ex);
    }

    /// Write the columns of a row that `Side` does not.
    pub(super) fn write_main(&mut self, r: u32, p: &PreparedSignal, buf: &mut Vec<u32>) {
        let i = r as usize;
        let fresh = i == self.ts.len();
        let set = |v: &mut Vec<i64>, x: i64| {
            if fresh {
                v.push(x)
            } else {
                v[i] = x
            }
        };
        set(&mut self.ts, p.ts);
        set(&mut self.events, p.events.unwrap_or(NO_NUMBER));
        set(&mut self.first_seen, p.first_seen);
        set(&mut self.last_seen, p.last_seen);
        let set8 = |v: &mut Vec<u8>, x: u8| {
            if fresh {
                v.push(x)
            } else {
                v[i] = x
            }
        };
        set8(&mut self.sev, p.severity);
        set8(&mut self.state, state_code(p.state));
        set8(&mut self.reason, reason_code(p.reason));
        let assignee = match p.assignee() {
            None => NONE,
            Some(q) => self.assignees.intern_hashed(
                p.assignee_hash,
                &q,
                |k, q| (&*k.0, &*k.1, &*k.2) == *q,
                |q| (q.0.into(), q.1.into(), q.2.into()),
            ),
        };
        let set32 = |v: &mut Vec<u32>, x: u32| {
            if fresh {
                v.push(x)
            } else {
                v[i] = x
            }
        };
        set32(&mut self.assignee, assignee);
        // Signals of one rule on one service repeat all seven together: one lookup of the whole
        // set (length-prefixed, so unambiguous) replaces seven.
        let key = p.key(p.singles);
        let e =
            self.singles_by_text
                .intern_hashed(p.singles.hash, key, |k, q| &**k == q, |q| q.into())
                as usize;
        if e == self.singles_ids.len() {
            let mut ids = [NONE; SINGLE_COLS];
            for (c, v) in texts_of(key).enumerate().take(SINGLE_COLS) {
                if !v.is_empty() {
                    ids[c] = self.single_dict[c].intern_str(v);
                }
            }
            self.singles_ids.push(ids);
        }
        set32(&mut self.singles_row, e as u32);
        let t =
            self.msg_tpl_dict
                .intern_hashed(p.tpl_hash, p.tpl(), |k, q| &**k == q, |q| q.into());
        set32(&mut self.msg_tpl, t);
        // The runs in order, repeats kept (the message is rebuilt from them).
        let digits = p.key(p.digits);
        let l = self
            .msg_digits
            .cached_list(digits, p.digits.hash, buf, |dict, buf| {
                buf.extend(texts_of(digits).map(|d| dict.intern_str(d)));
            });
        self.msg_digits.set_list(r, l);
        for c in [MultiCol::Service, MultiCol::Tag, MultiCol::AttackType] {
            let k: Key = p.multi[c as usize];
            self.multi[c as usize].set_cached(r, p.key(k), k.hash, buf);
        }
        let combo: Combo = [
            self.state[i] as u32,
            self.sev[i] as u32,
            self.assignee[i],
            self.single_at(SingleCol::Env, r),
            self.single_at(SingleCol::RuleName, r),
            self.multi[MultiCol::Service as usize].rows[i],
            self.multi[MultiCol::Tag as usize].rows[i],
            self.multi[MultiCol::AttackType as usize].rows[i],
        ];
        let c = self.combos.intern_by(&combo, |k, q| k == q, |q| *q);
        set32(&mut self.combo, c);
    }
}

/// What `insert_prepared_all` looks up on a second thread: the attacker IP and user lists and the
/// event's other attributes, about half of the cost of adding a signal, and tables nothing else
/// `write_main` touches.
pub(super) struct Side<'a> {
    pub(super) ips: &'a mut Multi,
    pub(super) users: &'a mut Multi,
    pub(super) extra: &'a mut Multi,
    pub(super) paths: &'a mut Dict<Box<str>>,
    pub(super) extra_dict: &'a mut Dict<Extra>,
}

impl Side<'_> {
    /// The signal's list numbers: attacker IPs, attacker users, other attributes.
    pub(super) fn lists(&mut self, p: &PreparedSignal, buf: &mut Vec<u32>) -> [u32; 3] {
        // IP and user lists repeat too little for the whole-list cache to pay for its memory
        // (about 50 bytes a signal): their values are looked up one by one.
        let mut each = |m: &mut Multi, c: MultiCol| match p.hashed_items(c as usize) {
            Some(items) => m.list_each(items, buf),
            None => NONE,
        };
        let ip = each(self.ips, MultiCol::Ip);
        let user = each(self.users, MultiCol::User);
        // Events repeat their other attributes as a whole far more than row by row (a rule's
        // version, category and blocking on a service): one lookup of the whole flattened set
        // replaces one per attribute plus the list's own.
        let key = p.key(p.extras);
        let (paths, dict) = (&mut *self.paths, &mut *self.extra_dict);
        let ex = self.extra.cached_list(key, p.extras.hash, buf, |_, buf| {
            for (path, kind, text) in extras_of(key) {
                let p = paths.intern_str(path);
                let e = dict.intern_by(
                    &(p, kind, text),
                    |k, q| k.0 == q.0 && k.1 == q.1 && &*k.2 == q.2,
                    |q| (q.0, q.1, q.2.into()),
                );
                if !buf.contains(&e) {
                    buf.push(e);
                }
            }
        });
        [ip, user, ex]
    }
}

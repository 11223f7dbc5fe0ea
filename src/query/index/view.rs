//! What the explorer draws for one row, read straight from the columns.
use super::*;

impl SignalIndex {
    /// The fields the list shows, for a live row.
    pub fn row(&self, row: u32) -> Option<RowView<'_>> {
        let r = row as usize;
        if r >= self.ts.len() || self.state[r] == DEAD {
            return None;
        }
        let ips = self.multi[MultiCol::Ip as usize].get(row);
        let users = self.multi[MultiCol::User as usize].get(row);
        let attacker = ips
            .first()
            .map(|&i| self.multi[MultiCol::Ip as usize].dict.str_of(i))
            .or_else(|| {
                users
                    .first()
                    .map(|&i| self.multi[MultiCol::User as usize].dict.str_of(i))
            });
        let service = self.multi[MultiCol::Service as usize]
            .get(row)
            .first()
            .map_or("", |&i| {
                self.multi[MultiCol::Service as usize].dict.str_of(i)
            });
        let assignee = self.assignees.get(self.assignee[r]).map(|(u, h, n)| {
            [n, h, u]
                .into_iter()
                .find(|s| !s.is_empty())
                .map_or("", |s| &**s)
        });
        Some(RowView {
            id: self.id_of(row),
            timestamp: DateTime::from_timestamp_millis(self.ts[r]).unwrap_or_default(),
            severity: severity_of(self.sev[r]),
            title: self.single_dict[SingleCol::Title as usize]
                .str_of(self.single_at(SingleCol::Title, row)),
            service,
            attacker,
            attackers: ips.len() + users.len(),
            state: state_of(self.state[r]),
            assignee,
            last_seen: DateTime::from_timestamp_millis(self.last_seen[r]).unwrap_or_default(),
        })
    }

    /// A row's message, put back together from its template and digit runs.
    pub fn message(&self, row: u32) -> String {
        let r = row as usize;
        let Some(&t) = self.msg_tpl.get(r) else {
            return String::new();
        };
        let tpl = self.msg_tpl_dict.str_of(t);
        let mut digits = self.msg_digits.get(row).iter();
        let mut out = String::with_capacity(tpl.len() + 8);
        for c in tpl.chars() {
            match (c == DIGITS).then(|| digits.next()).flatten() {
                Some(&d) => out.push_str(self.msg_digits.dict_str(d)),
                None => out.push(c),
            }
        }
        out
    }
}

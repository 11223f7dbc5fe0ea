//! Sizing the index: room reserved ahead of a load, shrinking after it, and what it costs in memory.
use super::*;

impl SignalIndex {
    /// Give back the slack of grown vectors (up to half of them after doubling).
    pub fn shrink_to_fit(&mut self) {
        self.id_arena.shrink_to_fit();
        self.id_end.shrink_to_fit();
        self.ts.shrink_to_fit();
        self.sev.shrink_to_fit();
        self.state.shrink_to_fit();
        self.reason.shrink_to_fit();
        self.assignee.shrink_to_fit();
        self.assignees.shrink_to_fit();
        self.events.shrink_to_fit();
        self.first_seen.shrink_to_fit();
        self.last_seen.shrink_to_fit();
        self.singles_row.shrink_to_fit();
        for d in &mut self.single_dict {
            d.shrink_to_fit();
        }
        self.singles_by_text.shrink_to_fit();
        self.singles_ids.shrink_to_fit();
        for m in self
            .multi
            .iter_mut()
            .chain([&mut self.msg_digits, &mut self.extra])
        {
            m.rows.shrink_to_fit();
            m.lists.shrink_to_fit();
            m.dict.shrink_to_fit();
            m.by_text.shrink_to_fit();
            m.by_text_list.shrink_to_fit();
        }
        self.msg_tpl.shrink_to_fit();
        self.msg_tpl_dict.shrink_to_fit();
        self.paths.shrink_to_fit();
        self.extra_dict.shrink_to_fit();
        self.order.shrink_to_fit();
        self.combo.shrink_to_fit();
        self.combos.shrink_to_fit();
    }

    /// Make room for `more` new signals, as a loader that knows how many are coming does: the
    /// columns and the id table then grow once instead of doubling (and copying) as they fill.
    pub fn reserve(&mut self, more: usize) {
        let rows = self.ts.len();
        self.ts.reserve(more);
        self.events.reserve(more);
        self.first_seen.reserve(more);
        self.last_seen.reserve(more);
        self.sev.reserve(more);
        self.state.reserve(more);
        self.reason.reserve(more);
        self.assignee.reserve(more);
        self.singles_row.reserve(more);
        self.msg_tpl.reserve(more);
        self.combo.reserve(more);
        self.order.reserve(more);
        self.id_end.reserve(more);
        // Ids of one store have about the same length: guess from those here, else 32.
        let per_id = match rows {
            0 => 32,
            n => self.id_arena.len().div_ceil(n),
        };
        self.id_arena.reserve(more.saturating_mul(per_id));
        for m in self
            .multi
            .iter_mut()
            .chain([&mut self.msg_digits, &mut self.extra])
        {
            m.rows.reserve(more);
        }
        let need = ((self.live + more) * 4).div_ceil(3).next_power_of_two();
        if need > self.id_slots.len() {
            self.rehash(need);
        }
    }

    /// Bytes held by the index, from the capacities of its vectors and tables.
    pub fn memory_bytes(&self) -> usize {
        self.memory_report().iter().map(|x| x.1).sum()
    }

    /// `memory_bytes` part by part, for the benchmark's report.
    pub fn memory_report(&self) -> Vec<(&'static str, usize)> {
        let singles: usize = self.singles_row.capacity() * 4
            + self
                .single_dict
                .iter()
                .map(|d| d.memory_bytes(|s| s.len()))
                .sum::<usize>()
            + self.singles_by_text.memory_bytes(|k| k.len())
            + self.singles_ids.capacity() * std::mem::size_of::<[u32; SINGLE_COLS]>();
        let multis: usize = self.multi.iter().map(Multi::memory_bytes).sum();
        vec![
            (
                "ids",
                self.id_arena.capacity()
                    + self.id_end.capacity() * 4
                    + self.id_slots.capacity() * 8,
            ),
            (
                "times, severity, state, counts",
                self.ts.capacity() * 8
                    + self.sev.capacity()
                    + self.state.capacity()
                    + self.reason.capacity()
                    + self.events.capacity() * 8
                    + self.first_seen.capacity() * 8
                    + self.last_seen.capacity() * 8,
            ),
            (
                "assignee",
                self.assignee.capacity() * 4
                    + self
                        .assignees
                        .memory_bytes(|(a, b, c)| a.len() + b.len() + c.len()),
            ),
            ("env, host, source, rule, title", singles),
            ("services, tags, IPs, users, attack types", multis),
            (
                "messages",
                self.msg_tpl.capacity() * 4
                    + self.msg_tpl_dict.memory_bytes(|s| s.len())
                    + self.msg_digits.memory_bytes(),
            ),
            (
                "other event attributes",
                self.paths.memory_bytes(|s| s.len())
                    + self.extra_dict.memory_bytes(|e| e.2.len())
                    + self.extra.memory_bytes(),
            ),
            ("order", self.order.capacity() * 4),
            (
                "facet combinations",
                self.combo.capacity() * 4 + self.combos.memory_bytes(|_| 0),
            ),
        ]
    }
}

//! Snapshots forged with a valid checksum (an index broken in memory, then written; or bytes
//! changed and the sum recomputed) are refused by `check`, naming what is wrong; and the
//! checksum does not depend on how its input is split.
use super::super::{MultiCol, SignalIndex, SingleCol};
use super::{Checksum, SnapshotError, SnapshotMeta, MAGIC};
use crate::demo::{signals, DemoOptions};
use crate::model::Signal;
use crate::query::intern::Dict;
use crate::query::prepare::Kind;

fn index(n: usize) -> SignalIndex {
    let opts = DemoOptions {
        signals: n,
        seed: 7,
        days: 10,
        now: chrono::DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .map(|t| t.to_utc())
            .unwrap_or_default(),
    };
    let mut ix = SignalIndex::build(signals(&opts).filter_map(|v| Signal::from_json(v).ok()));
    assert_eq!(ix.len(), n);
    let id = ix.id_of(5).to_string();
    assert!(ix.remove(&id));
    ix
}

fn write(ix: &SignalIndex) -> Vec<u8> {
    let mut out = Vec::new();
    ix.write_snapshot(&mut out, &SnapshotMeta::default())
        .expect("writing to memory");
    out
}

fn read(file: &[u8]) -> Result<SignalIndex, SnapshotError> {
    SignalIndex::read_snapshot(&mut &file[..]).map(|x| x.0)
}

/// Break an index in memory, write it (with a valid sum), and read it back: `Corrupt` naming
/// `what`.
fn refused(what: &str, forge: impl FnOnce(&mut SignalIndex)) {
    let mut ix = index(300);
    forge(&mut ix);
    match read(&write(&ix)) {
        Err(SnapshotError::Corrupt(m)) => assert!(m.contains(what), "{what}: got {m}"),
        Err(e) => panic!("{what}: refused for another reason: {e}"),
        Ok(_) => panic!("{what}: a forged snapshot was accepted"),
    }
}

#[test]
fn an_honest_snapshot_reads_back() {
    let ix = index(300);
    let back = read(&write(&ix)).expect("reads back");
    assert_eq!(write(&back), write(&ix));
    assert_eq!(back.len(), ix.len());
    assert_eq!(back.id_used, ix.live);
}

#[test]
fn the_rebuilt_id_table_finds_every_live_id() {
    // Sizes around the table's thresholds, so that some probe runs wrap past its end.
    for n in [6, 7, 12, 13, 24, 25, 48, 97, 192, 300] {
        let ix = index(n);
        let back = read(&write(&ix)).expect("reads back");
        for r in 0..ix.rows() as u32 {
            let want = ix.row(r).map(|_| r);
            assert_eq!(back.row_of(ix.id_of(r)), want, "{n} rows: row {r}");
        }
        assert_eq!(back.id_used, back.len());
        assert!(back.id_used * 4 <= back.id_slots.len() * 3);
    }
}

#[test]
fn references_out_of_range_are_refused() {
    refused("assignee column", |ix| {
        ix.assignee[3] = ix.assignees.len() as u32
    });
    refused("single-value sets column", |ix| {
        ix.singles_row[0] = ix.singles_ids.len() as u32 + 7
    });
    refused("single-value set", |ix| {
        ix.singles_ids[0][SingleCol::Host as usize] = 1 << 30
    });
    refused("message template column", |ix| ix.msg_tpl[9] = u32::MAX);
    refused("multi-valued column 2", |ix| {
        let m = &mut ix.multi[MultiCol::Ip as usize];
        m.rows[1] = m.lists.len() as u32;
    });
    refused("multi-valued column 1", |ix| {
        let m = &mut ix.multi[MultiCol::Tag as usize];
        let n = m.dict.len() as u32;
        let mut lists: Vec<Box<[u32]>> = m.lists.items().to_vec();
        lists.push(vec![n].into());
        m.lists = Dict::from_items(lists).expect("distinct");
    });
    refused("attribute with path", |ix| {
        let mut items = ix.extra_dict.items().to_vec();
        items.push((ix.paths.len() as u32, Kind::Str, "x".into()));
        ix.extra_dict = Dict::from_items(items).expect("distinct");
    });
    refused("facet combination column", |ix| {
        ix.combo[2] = ix.combos.len() as u32
    });
    refused("cached keys", |ix| ix.msg_digits.by_text_list.push(0));
}

#[test]
fn broken_columns_are_refused() {
    refused("rows", |ix| {
        ix.last_seen.pop();
    });
    refused("multi-valued column 4", |ix| {
        ix.multi[MultiCol::AttackType as usize].rows.push(0);
    });
    refused("severities", |ix| ix.sev[4] = 5);
    refused("states", |ix| ix.state[4] = 3);
    refused("archive reasons", |ix| ix.reason[4] = 100);
    refused("id of row", |ix| ix.id_end.swap(3, 4));
    refused("ids end", |ix| ix.id_arena.push('x'));
    refused("facet combination disagrees", |ix| {
        let r = ix.order[0] as usize;
        ix.combo[r] = (ix.combo[r] + 1) % ix.combos.len() as u32;
    });
    refused("facet combination disagrees", |ix| {
        let r = ix.order[0] as usize;
        ix.sev[r] = (ix.sev[r] + 1) % 5;
    });
}

#[test]
fn a_broken_order_or_id_table_is_refused() {
    refused("not a live row", |ix| ix.order[0] = ix.rows() as u32);
    refused("not a live row", |ix| ix.order[0] = 5);
    refused("before row", |ix| ix.order.swap(0, 1));
    refused("before row", |ix| {
        let r = ix.order[0];
        ix.order.insert(0, r);
    });
    refused("rows, ", |ix| {
        ix.order.pop();
    });
    refused("on live rows", |ix| {
        // Row 1's id made row 0's (demo ids are all of one length).
        let (a, b) = (ix.id_of(0).to_string(), ix.id_of(1).len());
        assert_eq!(a.len(), b);
        let start = ix.id_end[0] as usize;
        ix.id_arena.replace_range(start..start + b, &a);
    });
}

#[test]
fn repeated_dictionary_entries_are_refused() {
    let items: Vec<Box<str>> = vec!["a".into(), "b".into(), "a".into()];
    assert_eq!(Dict::from_items(items).err(), Some(2));
    let ok = Dict::<Box<str>>::from_items(vec!["a".into(), "b".into()]).expect("distinct");
    assert_eq!(ok.clone().intern_str("b"), 1);
    let mut ok = ok;
    assert_eq!(ok.intern_str("c"), 2);
    // Through a file: the title dictionary given a repeat of an entry's text, resealed.
    let ix = index(300);
    let titles = ix.single_dict[SingleCol::Title as usize].items();
    let (i, j) = (0..titles.len().saturating_sub(1))
        .flat_map(|i| (0..titles.len()).map(move |j| (i, j)))
        .find(|&(i, j)| i != j && titles[i].len() == titles[j].len())
        .expect("two titles of one length");
    // Title `i` with the next one: only in the title dictionary, whose entries run end to end.
    let needle = [titles[i].as_bytes(), titles[i + 1].as_bytes()].concat();
    let mut file = write(&ix);
    let at = find(&file, &needle).expect("titles in the file");
    file[at..at + titles[j].len()].copy_from_slice(titles[j].as_bytes());
    reseal(&mut file);
    match read(&file) {
        Err(SnapshotError::Corrupt(m)) => assert!(m.contains("repeats"), "{m}"),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn lengths_beyond_the_file_are_refused_before_allocating() {
    let ix = index(50);
    let mut file = write(&ix);
    let body = body_start(&file);
    // The id arena's length, the body's first field.
    file[body..body + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    reseal(&mut file);
    assert!(matches!(read(&file), Err(SnapshotError::Corrupt(m)) if m.contains("id arena")));
    let mut file = write(&ix);
    file.extend_from_slice(&[0; 3]);
    let len_at = body_start(&file) - 16;
    let n = (file.len() - body_start(&file)) as u64;
    file[len_at..len_at + 8].copy_from_slice(&n.to_le_bytes());
    reseal(&mut file);
    assert!(matches!(read(&file), Err(SnapshotError::Corrupt(m)) if m.contains("after the last")));
}

#[test]
fn the_checksum_ignores_how_input_is_split() {
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + i / 13) as u8).collect();
    let mut whole = Checksum::new();
    whole.update(&data);
    for cut in [0, 1, 7, 8, 31, 32, 33, 63, 500, 999, 1000] {
        let mut parts = Checksum::new();
        parts.update(&data[..cut]);
        for piece in data[cut..].chunks(cut % 5 + 1) {
            parts.update(piece);
        }
        assert_eq!(parts.finish(), whole.finish(), "cut at {cut}");
    }
    let mut shorter = Checksum::new();
    shorter.update(&data[..999]);
    assert_ne!(shorter.finish(), whole.finish());
    let mut padded = Checksum::new();
    padded.update(&data);
    padded.update(&[0]);
    assert_ne!(padded.finish(), whole.finish());
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Where the body starts: after the header and the checksum.
fn body_start(file: &[u8]) -> usize {
    let id_len_at = MAGIC.len() + 4 + 24 + 8;
    let mut n = [0u8; 4];
    n.copy_from_slice(&file[id_len_at..id_len_at + 4]);
    id_len_at + 4 + u32::from_le_bytes(n) as usize + 8 + 8
}

/// Recompute a file's checksum, as a forger would.
fn reseal(file: &mut [u8]) {
    let body = body_start(file);
    let mut body_sum = Checksum::new();
    body_sum.update(&file[body..]);
    let mut whole = Checksum::new();
    whole.update(&file[..body - 8]);
    whole.update(&body_sum.finish().to_le_bytes());
    file[body - 8..body].copy_from_slice(&whole.finish().to_le_bytes());
}

//! The top values of a facet by count, turning only the chosen ones into text.

pub(crate) fn dict_text(d: &super::intern::Dict<Box<str>>) -> impl Fn(u32) -> String + '_ {
    move |i| d.str_of(i).to_string()
}

/// The `k` largest non-zero counts (ties by value text) and how many are non-zero. Only the
/// chosen `k` are turned into text.
pub(crate) fn top(
    counts: &[u32],
    k: usize,
    text: &dyn Fn(u32) -> String,
) -> (Vec<(String, u32)>, usize) {
    let mut nz: Vec<(u32, u32)> = counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(i, &c)| (i as u32, c))
        .collect();
    let distinct = nz.len();
    if k == 0 {
        return (Vec::new(), distinct);
    }
    // Select by count first (cheap), then settle ties at the cut by text.
    if nz.len() > k {
        nz.sort_unstable_by_key(|x| std::cmp::Reverse(x.1));
        let cut = nz[k - 1].1;
        let keep = nz.partition_point(|x| x.1 >= cut);
        nz.truncate(keep);
    }
    let mut out: Vec<(String, u32)> = nz.into_iter().map(|(i, c)| (text(i), c)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(k);
    (out, distinct)
}

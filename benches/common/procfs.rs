//! One figure of this process from `/proc/self` (Linux), for the benches' reports.

/// The number after `key` in `/proc/self/<file>` (`status`'s `VmHWM:` in kB, `io`'s
/// `write_bytes:`); 0 where the file or the line is missing.
pub fn self_figure(file: &str, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/self/{file}"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

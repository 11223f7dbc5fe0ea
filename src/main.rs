// Loading a store parses every signal's JSON: hundreds of small allocations each, where the
// system allocator spends a quarter of the time.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Like other Unix tools, die quietly when the reader of our output goes away
    // (`sigscope signals list --format json | head`) instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: setting a signal disposition to its default at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(sigscope::cli::main());
}

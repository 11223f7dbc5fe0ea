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

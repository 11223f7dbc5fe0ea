fn main() {
    std::process::exit(sigscope::cli::main());
}

//! `sigscope completions bash|zsh|fish|elvish|powershell` and `sigscope man`: generated from the
//! same clap definition the parser uses, so they never drift from the options.
use super::Cli;
use crate::error::{Error, Result};
use clap::{Args, CommandFactory};
use std::io::Write;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Print the completion script, e.g. `sigscope completions bash > /etc/bash_completion.d/sigscope`.
pub fn completions(a: CompletionsArgs) -> Result<()> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "sigscope", &mut out);
    write_stdout(&out)
}

/// Print the man page (roff), e.g. `sigscope man > /usr/local/share/man/man1/sigscope.1`.
pub fn man() -> Result<()> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Error::Io(format!("rendering the man page: {e}")))?;
    write_stdout(&out)
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut o = std::io::stdout().lock();
    o.write_all(bytes)
        .and_then(|_| o.flush())
        .map_err(|e| Error::Io(format!("stdout: {e}")))
}

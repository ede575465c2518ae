mod cli;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    restore_sigpipe();
    let cli = cli::Cli::parse();
    match cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            match e.downcast_ref::<tonic::Status>() {
                Some(s) => eprintln!("samprio: {}", samprio_client::explain(s)),
                None => match e.downcast_ref::<samprio_client::Error>() {
                    Some(samprio_client::Error::Status(s)) => eprintln!("samprio: {}", samprio_client::explain(s)),
                    // Without the transport's chain of causes ("tcp connect error: …").
                    Some(
                        c @ (samprio_client::Error::Unreachable { .. }
                        | samprio_client::Error::Connect { .. }
                        | samprio_client::Error::NotTls { .. }),
                    ) => eprintln!("samprio: {c}"),
                    _ => eprintln!("samprio: {e:#}"),
                },
            }
            std::process::ExitCode::FAILURE
        }
    }
}

/// Dies quietly of SIGPIPE when the reader of our output goes away
/// (`samprio events … | head`), as command-line tools do, instead of
/// panicking on the failed write. Rust ignores SIGPIPE by default.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists;
    // SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

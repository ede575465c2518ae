mod cli;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            match e.downcast_ref::<tonic::Status>() {
                Some(s) => eprintln!("samprio: {}", samprio_client::explain(s)),
                None => match e.downcast_ref::<samprio_client::Error>() {
                    Some(samprio_client::Error::Status(s)) => eprintln!("samprio: {}", samprio_client::explain(s)),
                    _ => eprintln!("samprio: {e:#}"),
                },
            }
            std::process::ExitCode::FAILURE
        }
    }
}

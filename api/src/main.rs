//! The `lobkader` binary: parse the command line, set up logging, hand over to the library.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    lobkader_api::telemetry::init();
    let cli = lobkader_api::cli::Cli::parse();
    match lobkader_api::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lobkader: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

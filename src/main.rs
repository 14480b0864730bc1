//! The `hub` binary: parse the command line, load the configuration, set up logging, run.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = hub::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hub: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(hub::cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hub: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

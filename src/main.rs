//! The `etender` binary: a thin shell over [`etender::cli`].

fn main() -> std::process::ExitCode {
    etender::cli::run()
}

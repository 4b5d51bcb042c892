use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Builds the kneeguide site: a public guide to pain in the back of the knee.
///
/// A site is a folder with site.yaml, content/ (Markdown with YAML front matter) and themes/.
/// Run the commands from that folder, or point at it with --root.
#[derive(Parser)]
#[command(name = "kneeguide", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the whole site into the output folder (public/ by default).
    ///
    /// Checks all content first and reports every error at once; on any error nothing is written
    /// and the previous output stays as it was.
    Build {
        /// The site folder, holding site.yaml, content/ and themes/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site; replaced whole on success. Default: public/ inside the site folder.
        #[arg(long)]
        output: Option<PathBuf>,
        /// The address the site is published at, overriding base_url in site.yaml
        /// (e.g. https://example.org/knee/ for a sub-path).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            // clap uses 0 for --help/--version and 2 for usage errors.
            return ExitCode::from(error.exit_code() as u8);
        }
    };
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
        } => {
            let output = output.unwrap_or_else(|| root.join("public"));
            let options = kneeguide::BuildOptions {
                base_url,
                drafts,
                ..kneeguide::BuildOptions::new(root)
            };
            match kneeguide::build(&options, &output) {
                Ok(report) => {
                    if !report.warnings.is_empty() {
                        eprint!("{}", report.warnings);
                    }
                    println!(
                        "Built {} pages into {} in {} ms{}",
                        report.pages,
                        output.display(),
                        report.elapsed.as_millis(),
                        match report.warnings.warning_count() {
                            0 => String::new(),
                            n => format!(" ({})", kneeguide::diagnostics::plural(n, "warning")),
                        }
                    );
                    ExitCode::SUCCESS
                }
                Err(diagnostics) => {
                    eprint!("{diagnostics}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

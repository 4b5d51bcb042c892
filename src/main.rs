use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use kneeguide::diagnostics::colour_on_stderr;

// Rendering thousands of pages on every core is allocation-heavy; mimalloc's per-thread heaps
// cut the allocator's share of the build's CPU time (see tests/bench).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        /// Fail (exit 1, nothing written) when there is any warning; warnings are still printed
        /// with their locations.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Preview the site in your browser while you edit it: rebuilt and reloaded on every save.
    ///
    /// Builds the site in memory (nothing is written to disk) and serves it at
    /// http://127.0.0.1:4400/ (only this computer can see it). Whenever you save a file in
    /// content/ or themes/, or site.yaml, the site is rebuilt and the open pages reload by
    /// themselves. If a change breaks the site, the errors are printed here and shown in the
    /// browser over the last good version, which is still served; they go away when you save
    /// the fix. Stop with Ctrl-C.
    ///
    /// Pages are exactly what `kneeguide build` writes, plus a small reload script that is added
    /// only while serving.
    ///
    /// Exit codes: 0 stopped with Ctrl-C; 1 could not start (the port is in use, or the folder is
    /// not a site); 2 usage error.
    #[command(after_long_help = "Examples:\n  \
        kneeguide serve --open          preview the guide in your browser\n  \
        kneeguide serve --drafts        include draft pages, such as a new cause\n  \
        kneeguide serve --port 8000     use another port when 4400 is taken")]
    Serve {
        /// The site folder, holding site.yaml, content/ and themes/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The port to listen on. If it is in use, serve stops with an error; 0 picks any free port.
        #[arg(long, short, default_value_t = kneeguide::serve::DEFAULT_PORT, value_name = "N")]
        port: u16,
        /// The network address to listen on. The default lets only this computer connect; use
        /// 0.0.0.0 to let other devices on your network (a phone, say) see the preview.
        #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
        bind: IpAddr,
        /// Open the site in your web browser once it is served.
        #[arg(long)]
        open: bool,
        /// Include pages marked `draft: true` (such as a new cause).
        #[arg(long)]
        drafts: bool,
        /// Seconds a rebuild may run before it is reported as stuck (tests shorten it).
        #[arg(long, hide = true, value_name = "SECONDS", default_value_t = kneeguide::serve::DEFAULT_REBUILD_LIMIT.as_secs_f64())]
        rebuild_limit: f64,
    },
    /// Check the whole site for errors without writing anything.
    ///
    /// Runs every check that build runs (front matter, internal links and anchors, the decision
    /// tree, templates) and reports every error with its file, line and column. Fast enough to
    /// run on every save.
    ///
    /// Exit codes: 0 no errors (warnings may be printed); 1 errors found (or warnings, with
    /// --deny-warnings; or a failing safety case); 2 usage error.
    #[command(after_long_help = "Examples:\n  \
        kneeguide check                 check the site in this folder\n  \
        kneeguide check --drafts        check draft pages too, e.g. a cause you are writing\n  \
        kneeguide check --cases         also print every safety case's result as a table\n  \
        kneeguide check --deny-warnings fail on warnings too (for CI and pre-commit hooks)")]
    Check {
        /// The site folder, holding site.yaml, content/ and themes/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Also check pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Fail (exit 1) when there is any warning; warnings are still printed with their
        /// locations.
        #[arg(long)]
        deny_warnings: bool,
        /// Print a table of the decision tree's safety cases: case, path, outcome, urgency and
        /// result, one row per path (content/decision-tree.cases.yaml).
        #[arg(long)]
        cases: bool,
    },
    /// Start a new content file from a template.
    #[command(subcommand)]
    New(NewCommand),
    /// Look at the decision tree (content/decision-tree.md).
    #[command(subcommand)]
    Tree(TreeCommand),
}

#[derive(Subcommand)]
enum TreeCommand {
    /// Print every path through the decision tree: the answers given, the outcome, its urgency
    /// and causes, one line each.
    ///
    /// This is the reviewed list that tests/golden/decision-tree-paths.txt keeps. After
    /// changing the tree, `check` warns (W060) that the paths differ from it; write the new list
    /// with the example below, look at what changed with `git diff`, and commit it with the tree.
    ///
    /// Exit codes: 0 printed; 1 the site has errors (they are printed instead); 2 usage error.
    #[command(after_long_help = "Example:\n  \
        kneeguide tree paths > tests/golden/decision-tree-paths.txt\n  \
        git diff tests/golden/decision-tree-paths.txt")]
    Paths {
        /// The site folder, holding site.yaml, content/ and themes/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

#[derive(Subcommand)]
enum NewCommand {
    /// Write content/causes/<ID>.md: a new cause, as a draft.
    ///
    /// Every front-matter field is present with a comment saying what it is for, the body has
    /// an outline of sections, and last_reviewed is today. The scaffold comes from the site's
    /// archetypes/cause.md, else the theme's. The file builds as it is; it stays out
    /// of the site until you remove its `draft: true` line. An existing file is never
    /// overwritten.
    ///
    /// Exit codes: 0 written; 1 the file exists or cannot be written; 2 the id is not URL-safe
    /// (or another usage error).
    #[command(after_long_help = "Example:\n  \
        kneeguide new cause bakers-cyst   writes content/causes/bakers-cyst.md")]
    Cause {
        /// The cause's id: lower-case words joined by hyphens, e.g. bakers-cyst. It becomes the
        /// file name and the page address (causes/bakers-cyst/).
        #[arg(allow_hyphen_values = true)]
        id: String,
        /// The site folder, holding site.yaml, content/ and themes/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Write content/<ID>.md: a new plain page (like first aid or about), as a draft.
    ///
    /// Like `new cause`: every front-matter field is present with a comment, last_reviewed is
    /// today, the page builds as it is and stays out of the site until you remove `draft: true`.
    /// The scaffold comes from the site's archetypes/page.md, else the theme's.
    ///
    /// Exit codes: 0 written; 1 the file exists or cannot be written; 2 the id is not URL-safe.
    #[command(after_long_help = "Example:\n  \
        kneeguide new page exercises   writes content/exercises.md")]
    Page {
        /// The page's id: lower-case words joined by hyphens, e.g. exercises. It becomes the file
        /// name and the page address (exercises/).
        #[arg(allow_hyphen_values = true)]
        id: String,
        /// The site folder, holding site.yaml, content/ and themes/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
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
            deny_warnings,
        } => {
            let output = output.unwrap_or_else(|| root.join("public"));
            let options = kneeguide::BuildOptions {
                base_url,
                drafts,
                deny_warnings,
                ..kneeguide::BuildOptions::new(root)
            };
            match kneeguide::build(&options, &output) {
                Ok(report) => {
                    if !report.warnings.is_empty() {
                        eprint!("{}", report.warnings.render(colour_on_stderr()));
                    }
                    println!(
                        "Built {} pages into {} in {} ms for {}{}",
                        report.pages,
                        output.display(),
                        report.elapsed.as_millis(),
                        report.base_url,
                        match report.warnings.warning_count() {
                            0 => String::new(),
                            n => format!(" ({})", kneeguide::diagnostics::plural(n, "warning")),
                        }
                    );
                    ExitCode::SUCCESS
                }
                Err(diagnostics) => {
                    eprint!("{}", diagnostics.render(colour_on_stderr()));
                    if !diagnostics.has_errors() {
                        eprintln!(
                            "error: the site was not built: {}, and --deny-warnings turns warnings into errors",
                            kneeguide::diagnostics::plural(diagnostics.warning_count(), "warning")
                        );
                    }
                    ExitCode::from(1)
                }
            }
        }
        Command::Serve {
            root,
            port,
            bind,
            open,
            drafts,
            rebuild_limit,
        } => {
            let mut options = kneeguide::serve::ServeOptions::new(root);
            options.build.drafts = drafts;
            options.bind = bind;
            options.port = port;
            options.rebuild_limit = std::time::Duration::try_from_secs_f64(rebuild_limit)
                .unwrap_or(kneeguide::serve::DEFAULT_REBUILD_LIMIT);
            serve(options, open)
        }
        Command::Check {
            root,
            drafts,
            deny_warnings,
            cases,
        } => check(root, drafts, deny_warnings, cases),
        Command::Tree(TreeCommand::Paths { root }) => tree_paths(root),
        Command::New(NewCommand::Cause { id, root }) => {
            new_file(&root, kneeguide::scaffold::Kind::Cause, &id)
        }
        Command::New(NewCommand::Page { id, root }) => {
            new_file(&root, kneeguide::scaffold::Kind::Page, &id)
        }
    }
}

fn serve(options: kneeguide::serve::ServeOptions, open: bool) -> ExitCode {
    // Catch Ctrl-C first: it then stops the server cleanly from the moment the URL is shown. A
    // second Ctrl-C exits at once, whatever the first is waiting for.
    let (stop, stopped) = std::sync::mpsc::channel();
    let presses = std::sync::atomic::AtomicUsize::new(0);
    if let Err(error) = ctrlc::set_handler(move || {
        if presses.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
            std::process::exit(130);
        }
        let _ = stop.send(());
    }) {
        eprintln!(
            "warning: cannot catch Ctrl-C ({error}); stop the server by closing this terminal"
        );
    }
    let bind = options.bind;
    let server = match kneeguide::serve::Server::start(options) {
        Ok(server) => server,
        Err(error) => {
            eprint!("{}", error.render(colour_on_stderr()));
            return ExitCode::from(1);
        }
    };
    let url = server.url().to_owned();
    println!("Serving the site at {url} (press Ctrl-C to stop)");
    if !bind.is_loopback() {
        eprintln!(
            "warning: listening on {bind}: other devices on your network can open this preview"
        );
    }
    if open && !kneeguide::serve::open_browser(&url) {
        eprintln!("Could not start a web browser; open {url} yourself.");
    }
    let _ = stopped.recv();
    server.stop();
    println!("Stopped.");
    ExitCode::SUCCESS
}

fn check(root: PathBuf, drafts: bool, deny_warnings: bool, cases: bool) -> ExitCode {
    let started = Instant::now();
    let options = kneeguide::BuildOptions {
        drafts,
        ..kneeguide::BuildOptions::new(root)
    };
    // The table first; the diagnostics below say where each failure is.
    let mut failed_cases = 0;
    if cases && let Ok(reports) = kneeguide::case_report(&options) {
        let several = reports.len() > 1;
        for case_report in reports {
            if several {
                println!(
                    "Safety cases on the `{}` tree ({}):",
                    case_report.language,
                    case_report.tree_file.display()
                );
            }
            print!("{}", case_report.report.table());
            failed_cases += case_report.report.failed();
        }
    }
    if drafts {
        print!("{}", kneeguide::unfinished::drafts_report(&options.root));
    }
    // Render too: template errors are only found by rendering.
    let result = kneeguide::build_into(&options, &kneeguide::output::DiscardSink)
        .map(|built| (built.pages, built.warnings));
    let elapsed = started.elapsed().as_millis();
    match result {
        Ok((pages, warnings)) => {
            for warning in warnings.iter() {
                eprintln!("{}", warning.render(colour_on_stderr()));
            }
            let noted = match warnings.warning_count() {
                0 => String::new(),
                n => format!(", {}", kneeguide::diagnostics::plural(n, "warning")),
            };
            if deny_warnings && warnings.warning_count() > 0 {
                eprintln!(
                    "error: check found {}, and --deny-warnings turns warnings into errors",
                    kneeguide::diagnostics::plural(warnings.warning_count(), "warning")
                );
                return ExitCode::from(1);
            }
            if failed_cases > 0 {
                // Case failures are errors, so this is only reached if the two runs disagree.
                eprintln!(
                    "error: {} failed",
                    kneeguide::diagnostics::plural(failed_cases, "safety case path")
                );
                return ExitCode::from(1);
            }
            println!(
                "No errors: checked {} in {elapsed} ms{noted}; nothing was written",
                kneeguide::diagnostics::plural(pages, "page")
            );
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            for diagnostic in diagnostics.iter() {
                eprintln!("{}", diagnostic.render(colour_on_stderr()));
            }
            let mut summary = format!(
                "error: check found {}",
                kneeguide::diagnostics::plural(diagnostics.error_count(), "error")
            );
            if diagnostics.warning_count() > 0 {
                summary += &format!(
                    " and {}",
                    kneeguide::diagnostics::plural(diagnostics.warning_count(), "warning")
                );
            }
            eprintln!("{summary}");
            ExitCode::from(1)
        }
    }
}

/// Prints the path list on standard output (for redirecting into the reviewed file); errors go
/// to standard error and nothing is printed on standard output.
fn tree_paths(root: PathBuf) -> ExitCode {
    let options = kneeguide::BuildOptions::new(root);
    match kneeguide::load(&options) {
        Ok(site) => match &site.main().tree {
            Some(tree) => {
                print!("{}", tree.paths_text());
                ExitCode::SUCCESS
            }
            None => {
                eprintln!(
                    "error: the site has no decision tree (content/{})",
                    kneeguide::content::TREE_FILE
                );
                ExitCode::from(1)
            }
        },
        Err(diagnostics) => {
            for diagnostic in diagnostics.iter().filter(|d| d.is_error()) {
                eprintln!("{diagnostic}");
            }
            eprintln!(
                "error: no path list: the site has {}",
                kneeguide::diagnostics::plural(diagnostics.error_count(), "error")
            );
            ExitCode::from(1)
        }
    }
}

fn new_file(root: &std::path::Path, kind: kneeguide::scaffold::Kind, id: &str) -> ExitCode {
    let today = kneeguide::content::meta::Date::today();
    match kneeguide::scaffold::new(root, kind, id, today) {
        Ok(path) => {
            println!(
                "Created {} (a draft: preview it with `kneeguide serve --drafts`, and remove \
                 `draft: true` to publish it)",
                path.strip_prefix(root).unwrap_or(&path).display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprint!("{}", error.render(colour_on_stderr()));
            match error {
                kneeguide::scaffold::NewError::UnsafeId(_) => ExitCode::from(2),
                _ => ExitCode::from(1),
            }
        }
    }
}

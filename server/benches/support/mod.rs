//! What the benches that run the panel as its own process share.
use std::future::Future;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The panel's `serve` process, stopped when dropped.
pub struct Panel(pub Child);

impl Drop for Panel {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the panel's CLI on `data_dir` with `stdin`; answers what it printed.
#[allow(dead_code)] // each bench uses what it needs
pub fn panel(data_dir: &std::path::Path, args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nobregas-panel"))
        .args(args)
        .env("NOBREGAS_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "nobregas-panel {args:?} failed");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[allow(dead_code)]
pub struct Outcome {
    pub concurrency: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
    pub errors: usize,
}

#[allow(dead_code)] // each bench uses what it needs
impl Outcome {
    pub fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    pub fn print(&self, what: &str) {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let pct = |p: f64| {
            sorted
                .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
                .copied()
        };
        let ms = |d: Option<Duration>| {
            d.map_or("–".to_owned(), |d| {
                format!("{:.1} ms", d.as_secs_f64() * 1e3)
            })
        };
        println!(
            "| {what} | {} | {:.0} | {} | {:.0} | {} | {} | {} |",
            self.concurrency,
            self.elapsed.as_secs_f64(),
            sorted.len(),
            sorted.len() as f64 / self.elapsed.as_secs_f64(),
            ms(pct(0.5)),
            ms(pct(0.99)),
            self.errors
        );
    }
}

#[allow(dead_code)]
/// Runs `one` in `concurrency` loops until `duration` is over; latencies of the successful calls.
pub async fn run<F, Fut>(concurrency: usize, duration: Duration, one: F) -> Outcome
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), String>> + Send,
{
    let start = Instant::now();
    let deadline = start + duration;
    let mut loops = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let one = one.clone();
        loops.spawn(async move {
            let (mut latencies, mut errors, mut first_error) = (Vec::new(), 0, None);
            while Instant::now() < deadline {
                let begun = Instant::now();
                match one().await {
                    Ok(()) => latencies.push(begun.elapsed()),
                    Err(err) => {
                        errors += 1;
                        first_error.get_or_insert(err);
                    }
                }
            }
            (latencies, errors, first_error)
        });
    }
    let mut outcome = Outcome {
        concurrency,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        errors: 0,
    };
    while let Some(result) = loops.join_next().await {
        let (latencies, errors, first_error) = result.expect("a load loop panicked");
        outcome.latencies.extend(latencies);
        outcome.errors += errors;
        if let Some(err) = first_error {
            eprintln!("error: {err}");
        }
    }
    outcome.elapsed = start.elapsed();
    outcome
}

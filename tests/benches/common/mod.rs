//! What the overhead and concurrency benches share: the raw `reqwest` baselines, interleaved
//! latency rounds and a throughput run. Each bench file includes it with `mod common;`.

#![allow(dead_code)] // Each bench uses its own part.

pub mod goscrobble;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// The per-request timeout and user agent every baseline "with the same settings" sends: what
/// the shared transport always sends (its default timeout is 30 s).
pub const SAME_TIMEOUT: Duration = Duration::from_secs(30);
/// The connect timeout the shared transport's default client has.
pub const SAME_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The user agent of the same-settings baselines.
pub const SAME_USER_AGENT: &str = "bench/1";

/// A `reqwest` client as a careful hand-written client builds one: no redirects.
pub fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A `reqwest` client configured as the shared transport's default one: no redirects and a
/// connect timeout (a dead host fails fast and the connect can be retried). The baseline "with
/// the same settings" sends through it.
pub fn raw_client_same() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(SAME_CONNECT_TIMEOUT)
        .build()
        .unwrap()
}

/// The client of a baseline: bare, or as the transport configures its own (`same`).
pub fn baseline_client(same: bool) -> reqwest::Client {
    if same {
        raw_client_same()
    } else {
        raw_client()
    }
}

/// `request` as a baseline sends it: with the settings the transport always adds (timeout,
/// user agent) when `same`, else bare.
pub fn with_settings(request: reqwest::RequestBuilder, same: bool) -> reqwest::RequestBuilder {
    if same {
        request
            .timeout(SAME_TIMEOUT)
            .header(reqwest::header::USER_AGENT, SAME_USER_AGENT)
    } else {
        request
    }
}

/// Sends a baseline's request and decodes its answer, which must be a success.
pub async fn checked_json<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    request
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The middle of `samples`.
pub fn median<T: PartialOrd + Copy>(mut samples: Vec<T>) -> T {
    samples.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap());
    samples[samples.len() / 2]
}

/// The runtime an overhead bench runs on: tokio's multi-thread one, as an application's; or,
/// with `OMNIAUTH_BENCH_RUNTIME=current`, the current-thread one, the client and the emulator
/// on one thread. There no call waits for another thread to wake up (most of a loopback call
/// on this VM, whose idle vCPUs wake slowly), so what is left of a gap is CPU.
pub fn runtime() -> tokio::runtime::Runtime {
    let current = std::env::var("OMNIAUTH_BENCH_RUNTIME").is_ok_and(|r| r == "current");
    let mut builder = if current {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    builder.enable_all().build().unwrap()
}

/// `typed / baseline` of two durations.
#[allow(clippy::cast_precision_loss)] // Nanoseconds of a bench, far below 2^52.
pub fn ratio(typed: Duration, baseline: Duration) -> f64 {
    typed.as_nanos() as f64 / baseline.as_nanos() as f64
}

/// One way to make a call, boxed so several can be interleaved in one loop.
pub type Call<'a> = Box<dyn FnMut() -> Pin<Box<dyn Future<Output = ()> + 'a>> + 'a>;

/// Boxes a call for [`interleaved_medians`].
pub fn call<'a, F, Fut>(mut f: F) -> Call<'a>
where
    F: FnMut() -> Fut + 'a,
    Fut: Future<Output = ()> + 'a,
{
    Box::new(move || Box::pin(f()))
}

/// Measured calls of a variant in a row, in each of its blocks.
pub const BLOCK: usize = 4;

/// The order in which [`interleaved_medians`] runs the blocks of `count` calls: a circuit
/// through every ordered pair of two different calls once (an Eulerian circuit of the complete
/// directed graph, by Hierholzer's walk), so that over whole circuits each call runs as often
/// as every other and follows each of the others equally often. A rotation of one fixed order
/// did not: there each call followed one particular other call in three rounds of four.
fn block_order(count: usize) -> Vec<usize> {
    if count < 2 {
        return vec![0; count];
    }
    // `taken[v]`: how many of v's successors, v + 1, v + 2, ... (mod count), the walk has used.
    let mut taken = vec![0; count];
    let mut walk = vec![0];
    let mut circuit = Vec::with_capacity(count * (count - 1) + 1);
    while let Some(&at) = walk.last() {
        if taken[at] < count - 1 {
            taken[at] += 1;
            walk.push((at + taken[at]) % count);
        } else {
            circuit.extend(walk.pop());
        }
    }
    circuit.reverse();
    // The circuit ends where it starts; the next circuit's first block closes it.
    circuit.pop();
    assert_eq!(
        circuit.len(),
        count * (count - 1),
        "every ordered pair once"
    );
    circuit
}

/// Runs each call `rounds` times after `warmup` unmeasured ones and returns each call's median
/// latency. The calls run in blocks: `BLOCK + 1` calls of one kind in a row, the first not
/// measured, so every measured call follows one of its own kind, with its code and data as
/// warm as its own last run left them. The blocks follow [`block_order`]: each call's block
/// comes after each other call's equally often, so whatever a block leaves behind weighs on
/// every call alike. Interleaving call by call measured instead what the call before left:
/// two baselines of the same `reqwest` code warm each other up, and whichever followed the
/// other more often came out faster, the one doing more work included; a rotation of blocks
/// still had each call follow one other call most of the time (see docs/performance.md,
/// "Interleaving").
pub async fn interleaved_medians(
    rounds: usize,
    warmup: usize,
    calls: &mut [Call<'_>],
) -> Vec<Duration> {
    let count = calls.len();
    let order = block_order(count);
    // Whole circuits, so that the balance holds for the measured blocks and the warm-up alike;
    // a circuit has `count - 1` blocks of each call.
    let circuits = |calls: usize| {
        calls
            .div_ceil(BLOCK)
            .div_ceil(count.saturating_sub(1).max(1))
    };
    let (measured, unmeasured) = (circuits(rounds), circuits(warmup));
    let mut samples = vec![Vec::with_capacity(measured * order.len() * BLOCK); count];
    for circuit in 0..unmeasured + measured {
        for &which in &order {
            calls[which]().await;
            for _ in 0..BLOCK {
                let start = Instant::now();
                calls[which]().await;
                if circuit >= unmeasured {
                    samples[which].push(start.elapsed());
                }
            }
        }
    }
    samples.into_iter().map(median).collect()
}

/// The latency medians of one overhead comparison: two typed callers, each with its own client
/// (an A/A pair), bare reqwest + serde, and reqwest + serde with the transport's settings.
/// Two of each kind, so that each kind's code runs in half the calls: with one typed caller
/// against the two baselines, the `reqwest` code the baselines share ran in two calls of three
/// and stayed warmer in the caches than the typed code.
#[derive(Debug, Clone, Copy)]
pub struct Overhead {
    /// Typed caller A, then B.
    pub typed: [Duration; 2],
    /// Bare reqwest.
    pub bare: Duration,
    /// Reqwest with the transport's settings.
    pub same: Duration,
}

impl Overhead {
    /// Measures `[typed A, typed B, bare, same]` with [`interleaved_medians`].
    pub async fn measure(rounds: usize, warmup: usize, calls: &mut [Call<'_>; 4]) -> Self {
        let medians = interleaved_medians(rounds, warmup, calls).await;
        Self {
            typed: [medians[0], medians[1]],
            bare: medians[2],
            same: medians[3],
        }
    }

    /// Typed A and B over `baseline`, the lower first.
    pub fn ratios(&self, baseline: Duration) -> (f64, f64) {
        let (a, b) = (
            ratio(self.typed[0], baseline),
            ratio(self.typed[1], baseline),
        );
        (a.min(b), a.max(b))
    }

    /// Prints the result line of `what`, with the target against the same-settings baseline
    /// (and against bare reqwest, when there is one).
    pub fn report(&self, what: &str, target: &str) {
        let [a, b] = self.typed;
        let (same_low, same_high) = self.ratios(self.same);
        let (bare_low, bare_high) = self.ratios(self.bare);
        println!(
            "overhead {what}: typed medians {a:?} and {b:?} (A/A {:.3}); raw reqwest+serde with the same timeout and user agent {:?}, ratios {same_low:.3}-{same_high:.3}; bare raw {:?}, ratios {bare_low:.3}-{bare_high:.3} (target {target})",
            ratio(a, b),
            self.same,
            self.bare,
        );
    }
}

/// Calls per second of `tasks` tasks each making `calls` calls, all at once.
pub async fn throughput<F, Fut>(tasks: usize, calls: usize, call: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                for _ in 0..calls {
                    call().await;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    #[allow(clippy::cast_precision_loss)] // Counts far below 2^52.
    let total = (tasks * calls) as f64;
    total / start.elapsed().as_secs_f64()
}

/// The concurrency figures of one variant over several rounds.
#[derive(Debug, Default)]
pub struct Rates {
    /// Requests per second, a round each.
    pub per_round: Vec<f64>,
    /// TCP connections the server accepted, a round each.
    pub connections: Vec<usize>,
}

impl Rates {
    /// The median rate.
    pub fn median(&self) -> f64 {
        median(self.per_round.clone())
    }

    /// The median of this variant's rate over `baseline`'s, round by round: rounds run back
    /// to back, so a slow minute of the machine weighs on both sides of each ratio.
    pub fn median_ratio(&self, baseline: &Rates) -> f64 {
        median(
            self.per_round
                .iter()
                .zip(&baseline.per_round)
                .map(|(typed, base)| typed / base)
                .collect(),
        )
    }

    /// The connections opened, as `min–max` over the rounds.
    pub fn connections(&self) -> String {
        let min = self.connections.iter().min().copied().unwrap_or(0);
        let max = self.connections.iter().max().copied().unwrap_or(0);
        format!("{min}–{max}")
    }
}

/// The three ways each concurrency round calls: typed (`None`), raw reqwest bare
/// (`Some(false)`) and raw with the transport's settings (`Some(true)`).
pub const VARIANTS: [Option<bool>; 3] = [None, Some(false), Some(true)];

/// Runs `round` for every variant of [`VARIANTS`] `rounds` times, rotating the order so no
/// variant always runs first; a round returns its rate and the connections it opened.
pub async fn interleaved_rounds<F, Fut>(rounds: usize, mut round: F) -> [Rates; 3]
where
    F: FnMut(Option<bool>) -> Fut,
    Fut: Future<Output = (f64, usize)>,
{
    let mut rates: [Rates; 3] = Default::default();
    for turn in 0..rounds {
        for offset in 0..VARIANTS.len() {
            let which = (turn + offset) % VARIANTS.len();
            let (rate, connections) = round(VARIANTS[which]).await;
            rates[which].per_round.push(rate);
            rates[which].connections.push(connections);
        }
    }
    rates
}

/// Prints one concurrency result line: `what`, and the rates of [`VARIANTS`] in order.
pub fn report_concurrency(what: &str, tasks: usize, calls: usize, rates: &[Rates; 3]) {
    let [typed, bare, same] = rates;
    println!(
        "concurrency {what}, {tasks} tasks x {calls} calls, {} interleaved rounds, medians: typed {:.0} req/s, raw with the same timeout and user agent {:.0} req/s (ratio {:.3}, target >= 0.95), bare raw {:.0} req/s (ratio {:.3}); connections opened per round: typed {}, same {}, bare {}",
        typed.per_round.len(),
        typed.median(),
        same.median(),
        typed.median_ratio(same),
        bare.median(),
        typed.median_ratio(bare),
        typed.connections(),
        same.connections(),
        bare.connections(),
    );
}

//! What the overhead and concurrency benches share: the raw `reqwest` baselines, interleaved
//! latency rounds and a throughput run. Each bench file includes it with `mod common;`.

#![allow(dead_code)] // Each bench uses its own part.

pub mod goscrobble;

use std::future::Future;
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

/// How long the calling thread waits, spinning, before each measured call: 100 µs, or
/// `OMNIAUTH_BENCH_GAP_US` (0 for calls back to back).
///
/// Back to back, each request raced the runtime's workers going idle after the previous
/// call, and that race priced CPU at about twice its cost: in `refresh_parts`, 2 µs of
/// arithmetic after the call added 4.1–4.5 µs to it. After a pause of 100 µs the workers are
/// idle at every request, whichever call came before, and the same 2 µs add 2.0–2.7 µs
/// (docs/performance.md, "sixth pass"). A call a program makes now and then, as a refresh,
/// finds the runtime so.
pub const GAP: Duration = Duration::from_micros(100);

/// The pause of this run: [`GAP`], or `OMNIAUTH_BENCH_GAP_US`. Read once, outside the measured
/// calls.
pub fn gap() -> Duration {
    std::env::var("OMNIAUTH_BENCH_GAP_US")
        .ok()
        .map_or(GAP, |gap| {
            Duration::from_micros(
                gap.parse()
                    .expect("OMNIAUTH_BENCH_GAP_US is a number of µs"),
            )
        })
}

/// Spins for `pause`: a sleep would let the calling thread's CPU go idle too, and its wake-up
/// is not what is measured.
fn spin_for(pause: Duration) {
    let start = Instant::now();
    while start.elapsed() < pause {
        std::hint::spin_loop();
    }
}

/// Runs each of the `count` variants of `call` (`call(0)` to `call(count - 1)`) `rounds` times
/// after `warmup` unmeasured ones and returns each variant's median latency. The calls run in
/// blocks: `BLOCK + 1` calls of one variant in a row, the first not measured, so every measured
/// call follows one of its own kind, with its code and data as warm as its own last run left
/// them; each measured call waits [`gap`] first. The blocks follow [`block_order`]: each
/// variant's block comes after each other variant's equally often, so whatever a block leaves
/// behind weighs on every variant alike. Interleaving call by call measured instead what the
/// call before left: two baselines of the same `reqwest` code warm each other up, and whichever
/// followed the other more often came out faster, the one doing more work included; a rotation
/// of blocks still had each call follow one other call most of the time (see
/// docs/performance.md, "Interleaving").
///
/// Each call's future is awaited where it is made, inside this function's own future: nothing
/// is allocated for it. The harness once boxed every call, and glibc serves a box of over
/// 1,032 bytes off its thread cache, on a slower path: the typed calls' larger futures paid
/// for the harness's box, the baselines' did not (docs/performance.md, "sixth pass").
pub async fn interleaved_medians<F, Fut>(
    rounds: usize,
    warmup: usize,
    count: usize,
    mut call: F,
) -> Vec<Duration>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    let order = block_order(count);
    // Whole circuits, so that the balance holds for the measured blocks and the warm-up alike;
    // a circuit has `count - 1` blocks of each variant.
    let circuits = |calls: usize| {
        calls
            .div_ceil(BLOCK)
            .div_ceil(count.saturating_sub(1).max(1))
    };
    let (measured, unmeasured) = (circuits(rounds), circuits(warmup));
    let mut samples = vec![Vec::with_capacity(measured * order.len() * BLOCK); count];
    let pause = gap();
    for circuit in 0..unmeasured + measured {
        for &which in &order {
            call(which).await;
            for _ in 0..BLOCK {
                spin_for(pause);
                let start = Instant::now();
                call(which).await;
                if circuit >= unmeasured {
                    samples[which].push(start.elapsed());
                }
            }
        }
    }
    samples.into_iter().map(median).collect()
}

/// The variants of an [`Overhead`] comparison, as [`overhead_variant`] numbers them: typed
/// caller A.
pub const TYPED_A: usize = 0;
/// Typed caller B, with a client of its own.
pub const TYPED_B: usize = 1;
/// Bare reqwest + serde.
pub const BARE: usize = 2;
/// Reqwest + serde with the transport's settings.
pub const SAME: usize = 3;

/// Makes one call of variant `which` of an overhead comparison: `typed(TYPED_A)` or
/// `typed(TYPED_B)`, `raw(false)` for [`BARE`], `raw(true)` for [`SAME`].
pub async fn overhead_variant<T, TypedCall, R, RawCall>(which: usize, typed: &T, raw: &R)
where
    T: Fn(usize) -> TypedCall,
    TypedCall: Future<Output = ()>,
    R: Fn(bool) -> RawCall,
    RawCall: Future<Output = ()>,
{
    match which {
        TYPED_A | TYPED_B => typed(which).await,
        BARE => raw(false).await,
        _ => raw(true).await,
    }
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
    /// Measures the four variants of [`overhead_variant`] with [`interleaved_medians`]: the
    /// typed call (`typed(0)` and `typed(1)`, each with its own client) and the raw one,
    /// bare (`raw(false)`) and with the transport's settings (`raw(true)`).
    pub async fn measure<T, TypedCall, R, RawCall>(
        rounds: usize,
        warmup: usize,
        typed: T,
        raw: R,
    ) -> Self
    where
        T: Fn(usize) -> TypedCall,
        TypedCall: Future<Output = ()>,
        R: Fn(bool) -> RawCall,
        RawCall: Future<Output = ()>,
    {
        let call = |which| overhead_variant(which, &typed, &raw);
        let medians = interleaved_medians(rounds, warmup, 4, call).await;
        Self {
            typed: [medians[TYPED_A], medians[TYPED_B]],
            bare: medians[BARE],
            same: medians[SAME],
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
            "overhead {what}, calls {:?} apart: typed medians {a:?} and {b:?} (A/A {:.3}); raw reqwest+serde with the same timeout and user agent {:?}, ratios {same_low:.3}-{same_high:.3}; bare raw {:?}, ratios {bare_low:.3}-{bare_high:.3} (target {target})",
            gap(),
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

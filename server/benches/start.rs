//! How long a Rust test waits for a `TestServer`: from `start()` to every listener serving,
//! with a user, a Git credential, an access key and a repository. The server is stopped
//! outside the timed part. `bench/bench.py` reads the median from
//! `target/criterion/start/test_server/new/estimates.json`.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

use codecommit_local::testing::TestServer;

fn start(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("start");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("test_server", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t0 = Instant::now();
                let server = rt.block_on(
                    TestServer::builder()
                        .user("alice")
                        .policy("AWSCodeCommitPowerUser")
                        .git_credential()
                        .access_key()
                        .repository("demo")
                        .start(),
                );
                total += t0.elapsed();
                rt.block_on(server.unwrap().stop());
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, start);
criterion_main!(benches);

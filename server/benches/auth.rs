//! Per-request authentication cost, measured with criterion: a Git credential, a SigV4 API
//! request and a SigV4 Git password, each verified against a real store (the embedded default
//! fixture). `bench/bench.py` reads the medians from `target/criterion/auth/*/new/estimates.json`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

use axum::http::{HeaderMap, HeaderValue};
use codecommit_local::auth::keys::StoreKeys;
use codecommit_local::auth::{git_credentials, git_sigv4, sigv4};
use codecommit_local::authz;
use codecommit_local::context::Context;
use codecommit_local::crypto::passwords::PasswordHasher;
use codecommit_local::secret::Secret;
use codecommit_local::seed;
use codecommit_local::store::Store;

const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn auth(c: &mut Criterion) {
    let mut group = c.benchmark_group("auth");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
    let hasher = PasswordHasher::for_store(&store).unwrap();
    let ctx = Context::new(
        store,
        hasher,
        dir.path().join("repositories"),
        "123456789012".into(),
        "us-east-1".into(),
        None,
    );
    std::fs::create_dir_all(&ctx.repos_root).unwrap();
    std::fs::create_dir_all(dir.path().join("fx")).unwrap();
    let fixture = seed::load_default(&dir.path().join("fx")).unwrap();
    seed::apply(&ctx, &[fixture]).unwrap();
    let (demo, password) = seed::default_demo_login().unwrap();
    let login = format!("{demo}-at-123456789012");

    group.bench_function("git_credential", |b| {
        b.iter(|| black_box(git_credentials::authenticate(&ctx, &login, &password).unwrap()))
    });

    let now = chrono::Utc::now();
    let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
    let body = b"Action=GetUser&Version=2010-05-08";
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("localhost:8443"));
    headers.insert("x-amz-date", HeaderValue::from_str(&amz_date).unwrap());
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
    );
    let auth = |signature: &str| {
        format!(
            "AWS4-HMAC-SHA256 Credential={KEY}/{}/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature={signature}",
            &amz_date[..8]
        )
    };
    headers.insert(
        "authorization",
        HeaderValue::from_str(&auth(&"0".repeat(64))).unwrap(),
    );
    let parsed = sigv4::parse_authorization(&headers).unwrap();
    let parts = sigv4::RequestParts {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        authority: None,
        body,
    };
    let canonical = sigv4::canonical_request(&parts, &parsed).unwrap();
    let scope = format!("{}/us-east-1/iam/aws4_request", &amz_date[..8]);
    let signature = sigv4::sign(
        SECRET,
        now,
        "us-east-1",
        "iam",
        &sigv4::string_to_sign(&amz_date, &scope, &canonical),
    );
    headers.insert(
        "authorization",
        HeaderValue::from_str(&auth(&signature)).unwrap(),
    );
    let parts = sigv4::RequestParts {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        authority: None,
        body,
    };
    let keys = StoreKeys { store: &ctx.store };
    group.bench_function("sigv4_api", |b| {
        b.iter(|| black_box(sigv4::verify(&parts, now, &keys, &|_, _| true).unwrap()))
    });

    let ts = now.format("%Y%m%dT%H%M%S").to_string();
    let git_password = Secret::new(git_sigv4::password(
        SECRET,
        "us-east-1",
        "/v1/repos/demo",
        "localhost",
        &ts,
    ));
    let request = git_sigv4::GitSigV4Request {
        user: KEY,
        password: &git_password,
        path: "/v1/repos/demo",
        host: "localhost:8443",
        server_region: "us-east-1",
    };
    group.bench_function("sigv4_git", |b| {
        b.iter(|| black_box(git_sigv4::verify(&request, now, &keys).unwrap()))
    });
    group.finish();

    // Authorization: a user with ten attached policies and two groups (each with an inline
    // and a managed policy), deciding a push to main with `codecommit:References`.
    let mut group = c.benchmark_group("authz");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let managed: Vec<String> = codecommit_local::iam::aws_policies::ALL
        .iter()
        .map(|p| format!("{:?}", p.name))
        .collect();
    let inline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"codecommit:GitPush","Resource":"*","Condition":{"StringEqualsIfExists":{"codecommit:References":["refs/heads/release"]},"Null":{"codecommit:References":"false"}}}]}"#;
    let text = format!(
        "[[groups]]\nname = \"g1\"\npolicies = [\"AWSCodeCommitReadOnly\"]\n  [[groups.inline_policies]]\n  name = \"i1\"\n  document = '{inline}'\n\n\
         [[groups]]\nname = \"g2\"\npolicies = [\"IAMReadOnlyAccess\"]\n  [[groups.inline_policies]]\n  name = \"i2\"\n  document = '{inline}'\n\n\
         [[users]]\nname = \"many\"\ngroups = [\"g1\", \"g2\"]\npolicies = [{}]\n",
        managed.join(", ")
    );
    let fixture = seed::parse(&dir.path().join("authz.toml"), &text).unwrap();
    seed::apply(&ctx, &[fixture]).unwrap();
    let user = ctx
        .store
        .read(|c| codecommit_local::store::iam::find_user_by_name(c, "123456789012", "many"))
        .unwrap()
        .unwrap();
    let principal = codecommit_local::iam::users::principal(
        &user,
        codecommit_local::principal::AuthMethod::AccessKey {
            access_key_id: KEY.into(),
        },
    );
    let origin = authz::Origin {
        source_ip: Some("127.0.0.1".parse().unwrap()),
        secure_transport: true,
    };
    let context = [(
        "codecommit:References".to_owned(),
        vec!["refs/heads/main".to_owned()],
    )];
    let repo = "arn:aws:codecommit:us-east-1:123456789012:demo";
    let request = authz::Request {
        action: authz::GIT_PUSH,
        resource: repo,
        context: &context,
        resource_tags: Some(&[]),
    };
    let authorizer = authz::Authorizer::default();
    assert!(
        authorizer
            .decide(&ctx, &principal, &origin, &request)
            .allowed()
    );
    group.bench_function("decide_cached", |b| {
        b.iter(|| black_box(authorizer.decide(&ctx, &principal, &origin, &request)))
    });
    // After any write the policies are read and parsed again (once per principal).
    group.bench_function("decide_after_a_write", |b| {
        b.iter(|| {
            ctx.store.write(|_| Ok::<_, rusqlite::Error>(())).unwrap();
            black_box(authorizer.decide(&ctx, &principal, &origin, &request))
        })
    });
    group.finish();
}

criterion_group!(benches, auth);
criterion_main!(benches);

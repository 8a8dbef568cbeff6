//! docker/docker-compose.yml against the Compose Specification (no Docker engine needed).

use std::path::Path;

use compose_spec::Compose;

fn compose_text() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docker/docker-compose.yml"),
    )
    .expect("docker/docker-compose.yml")
}

#[test]
fn compose_file_follows_the_compose_specification() {
    let compose = Compose::options()
        .from_yaml_str(&compose_text())
        .expect("docker-compose.yml parses as a Compose file");
    compose
        .validate_all()
        .expect("every network and volume a service uses is defined");
    let names: Vec<String> = compose.services.keys().map(|k| k.to_string()).collect();
    assert_eq!(names, ["codecommit", "client"]);
}

#[test]
fn the_check_catches_a_broken_compose_file() {
    // A misspelt service key is not Compose: the validation above would reject it.
    let broken = compose_text().replacen("    environment:", "    enviroment:", 1);
    assert!(Compose::options().from_yaml_str(&broken).is_err());
    // A service on an undefined network fails validation.
    let undefined = compose_text().replacen(
        "      default:\n        aliases:",
        "      missing:\n        aliases:",
        1,
    );
    assert_ne!(undefined, compose_text());
    let parsed = Compose::options()
        .from_yaml_str(&undefined)
        .expect("still parses");
    assert!(parsed.validate_all().is_err());
}

//! Every input of the fuzz corpora (`fuzz/corpus/<target>`) replayed through the same harness
//! the fuzz targets run (`fuzz/src/lib.rs`, compiled in here), so that plain `cargo test`
//! catches a parser that panics or hangs on what the fuzzer once found, with no fuzzer.

#[path = "../../fuzz/src/lib.rs"]
mod harness;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&bytes));
        assert!(outcome.is_ok(), "{target} panics on {}", path.display());
        inputs += 1;
    }
    assert!(inputs > 0, "the corpus {} is empty", dir.display());
}

#[test]
fn the_name_parser_takes_its_corpus() {
    replay("reference", harness::reference);
}

#[test]
fn containers_storage_records_take_their_corpus() {
    replay("cs_records", harness::cs_records);
}

#[test]
fn containers_storage_stores_take_their_corpus() {
    replay("cs_store", harness::cs_store);
}

#[test]
fn image_configs_take_their_corpus() {
    replay("image_config", harness::image_config);
}

#[test]
fn oci_layouts_take_their_corpus() {
    replay("oci_layout", harness::oci_layout);
}

#[test]
fn archives_take_their_corpus() {
    replay("archive", harness::archive);
}

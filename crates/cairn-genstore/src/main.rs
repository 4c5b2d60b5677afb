//! `cairn-genstore`: the store generator as a command, for benchmarks by hand and for
//! checking a generated store with podman.

use anyhow::Result;
use cairn_genstore::{Shape, generate};
use clap::Parser;
use std::path::PathBuf;

/// Write a synthetic containers-storage store (vfs driver) for benchmarks and tests.
#[derive(Debug, Parser)]
#[command(name = "cairn-genstore")]
struct Args {
    /// graph root to create; it must not exist or be empty
    #[arg(long, value_name = "DIR")]
    root: PathBuf,
    /// number of images
    #[arg(long, value_name = "N")]
    images: usize,
    /// number of layers in layers.json, containers' layers included
    #[arg(long, value_name = "M")]
    layers: usize,
    /// seed of every random choice: the same arguments write the same store
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// number of containers, each with a layer of its own on its image's top layer
    #[arg(long, value_name = "C", default_value_t = 0)]
    containers: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let shape = Shape {
        images: args.images,
        layers: args.layers,
        containers: args.containers,
        seed: args.seed,
    };
    let written = generate(&args.root, shape)?;
    println!(
        "wrote {} images ({} tagged), {} layers and {} containers under {}",
        written.images,
        written.tagged,
        written.layers,
        written.containers,
        args.root.display()
    );
    Ok(())
}

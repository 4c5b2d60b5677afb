/// Loading a store allocates hundreds of thousands of small strings from two threads;
/// mimalloc serves them with far fewer system calls and page faults than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cairn::cli::main());
}

//! The subscription trie on a small stack: no operation may recurse once per level.

use ferrozmq::routing::Trie;

#[test]
fn chain_of_nested_prefixes_needs_no_deep_stack() {
    // A chain of nested prefixes is as deep as the tree gets; on a 64 KiB stack any
    // recursion per level in clone, drop or the walks would overflow.
    let long = vec![7u8; 4000];
    let small_stack = std::thread::Builder::new().stack_size(64 * 1024);
    let deep = small_stack.spawn(move || {
        let mut t = Trie::new();
        (1..=4000).for_each(|n| _ = t.add(&long[..n]));
        let copy = t.clone();
        assert!(copy.matches(&long) && copy.prefixes().len() == 4000);
        assert_eq!(copy.count(&long[..4000]), 1);
        drop(copy);
        drop(t);
    });
    assert!(deep.unwrap().join().is_ok());
}

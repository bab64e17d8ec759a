"""The backend seam: the node (anvil over JSON-RPC), signing and batching, ABI, artifacts, events."""

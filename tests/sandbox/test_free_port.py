"""free_port: a stack's ports are all picked before its children bind them one by one, so a
port picked once must not come out again while its owner has yet to bind it."""

from sandbox.server import free_port


def test_ports_picked_one_after_another_are_all_different() -> None:
    # 500 picks among 12,000 ports: picking by "free now" alone repeats one with a probability
    # of 1 - e^(-500 * 499 / 24,000) > 0.9999.
    ports = [free_port() for _ in range(500)]
    assert len(set(ports)) == len(ports)

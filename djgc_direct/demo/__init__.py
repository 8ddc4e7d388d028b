"""The demo world: Liuzhou's organisations, leaders, representatives, units and staff."""

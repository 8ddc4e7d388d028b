"""The four-level organisation tree, handling units and representatives' delegations."""

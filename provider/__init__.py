"""Match data from the outside world: the provider interface and its SofaScore client."""

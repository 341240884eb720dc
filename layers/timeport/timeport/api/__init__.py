"""What every HTTP handler shares: the resolver with its error mapping, the caller, bodies."""

"""Poll use cases, one per module: call, open (freeze the roll), cast, close.

Each checks first, then changes rows and appends its record entry in one transaction that
composes inside its caller's (the entry point, a view, a command or the clock, opens the durable
one)."""

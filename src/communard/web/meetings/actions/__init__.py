"""The meetings' use cases, one per module: each checks a rule of ``constitution.meetings``
first, then changes rows and appends its declared record entry, in one transaction."""

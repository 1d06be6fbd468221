"""Polls: every vote the organisation holds that is not an election's, on one machinery.

A poll asks one question (ranked, yes/no(/abstain) or choose-n) of a frozen roll (the members
beneath a council, or a council's delegates), secretly or by roll call, and is decided by the
counting engine, then by the constitution's majority rule and turnout floor. Other apps call
:func:`communard.web.polls.actions.call.do_call_poll` and register what a closed poll of their
purpose does with :func:`communard.web.polls.outcomes.on_close`. See ``docs/polls.md``.
"""

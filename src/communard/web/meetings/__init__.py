"""Councils at work (issue 17): meetings, motions, amendments and mandates, up to the vote."""

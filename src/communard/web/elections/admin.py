from django.contrib import admin

from communard.web.core.admin import ReadOnlyAdmin
from communard.web.elections.models import Ballot, Candidate, Election, Result


@admin.register(Election)
class ElectionAdmin(ReadOnlyAdmin):
    list_display = ["title", "seats", "poll_opens_at", "poll_closes_at", "closed_at"]


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    list_display = ["member", "election", "number", "accepted"]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ["tracking_code", "election"]
    show_full_result_count = False


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ["election", "ballots", "marks", "counted_at"]

from django.urls import path

from . import api

urlpatterns = [
    path("sla/plans/", api.PlanList.as_view(), name="sla-plans"),
    path("sla/calendars/", api.CalendarList.as_view(), name="sla-calendars"),
    path("sla/priorities/", api.PriorityList.as_view(), name="sla-priorities"),
]

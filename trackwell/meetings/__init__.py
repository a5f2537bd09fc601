"""Pupil progress review meetings: agendas from the data, decisions and actions."""

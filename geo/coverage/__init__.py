"""Coverage: rates per area, nearest stations, runs, road networks (and the generated demo roads), travel time and siting."""

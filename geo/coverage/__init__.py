"""Coverage: rates per area, nearest stations, runs, road networks, travel time and siting."""

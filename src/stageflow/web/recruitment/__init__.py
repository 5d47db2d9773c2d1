"""Web screens of the recruitment pack: the job orders and placements tab of a record."""

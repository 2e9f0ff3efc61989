"""Home-visit bookings (探访预约) and the days that still take them."""

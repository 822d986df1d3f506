"""What intake tells other services: notifications, clock commands, approval requests and decisions."""

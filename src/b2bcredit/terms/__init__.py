"""Trade terms and due dates, instalment schedules, APR and XIRR."""

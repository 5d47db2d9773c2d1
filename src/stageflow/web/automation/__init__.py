"""The automation screens: rules (list, form, delete) and the log of every firing."""

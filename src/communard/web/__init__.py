"""The Django web application: thin views over ``do_*`` actions that append to the record."""

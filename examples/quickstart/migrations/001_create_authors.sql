-- Authors of the books in the catalogue.
CREATE TABLE authors (
    id    integer PRIMARY KEY,
    name  text    NOT NULL,
    email text    UNIQUE
);

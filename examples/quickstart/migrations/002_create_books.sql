-- Books, each by one author.
CREATE TABLE books (
    id        integer PRIMARY KEY,
    author_id integer NOT NULL REFERENCES authors (id),
    title     text    NOT NULL,
    published date
);
CREATE INDEX books_author ON books (author_id);

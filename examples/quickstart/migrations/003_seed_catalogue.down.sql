DELETE FROM books;
DELETE FROM authors;

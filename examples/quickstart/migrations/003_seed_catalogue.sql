-- A few rows to look at; strings with semicolons are fine.
INSERT INTO authors (id, name, email) VALUES
    (1, 'Ursula K. Le Guin', 'ursula@example.com'),
    (2, 'Italo Calvino', NULL);
INSERT INTO books (id, author_id, title, published) VALUES
    (1, 1, 'The Dispossessed; An Ambiguous Utopia', '1974-05-01'),
    (2, 2, 'Invisible Cities', '1972-11-01');

// The page at redirect-uri only loads the element: in popup mode it hands the code to the app and closes.
import 'flinks-connect';

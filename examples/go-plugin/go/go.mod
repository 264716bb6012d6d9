module example.com/goplug

go 1.22

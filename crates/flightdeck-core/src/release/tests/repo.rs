//! A temporary git repository built commit by commit with git2, with fixed author dates.

use git2::{Repository, Signature, Time};

/// A step of a history.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    /// A commit with this message (touching a file so every commit changes the tree).
    C(&'static str),
    /// An annotated tag on HEAD.
    T(&'static str),
    /// A commit changing this file (path, message).
    F(&'static str, &'static str),
}

pub struct TempRepo {
    pub dir: tempfile::TempDir,
    pub repo: Repository,
    n: i64,
}

impl TempRepo {
    pub fn new() -> TempRepo {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        TempRepo { dir, repo, n: 0 }
    }

    pub fn with(ops: &[Op]) -> TempRepo {
        let mut r = TempRepo::new();
        for op in ops {
            match op {
                Op::C(m) => {
                    r.commit(m);
                }
                Op::T(t) => r.tag(t),
                Op::F(f, m) => {
                    r.commit_file(f, m);
                }
            }
        }
        r
    }

    fn sig(&self) -> Signature<'static> {
        Signature::new("Rita Release", "rita@example.com", &Time::new(1_700_000_000 + self.n * 3600, 0))
            .unwrap()
    }

    pub fn commit(&mut self, message: &str) -> git2::Oid {
        self.commit_file("log.txt", message)
    }

    pub fn commit_file(&mut self, file: &str, message: &str) -> git2::Oid {
        self.n += 1;
        let path = self.dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("change {}\n", self.n)).unwrap();
        let mut index = self.repo.index().unwrap();
        index.add_path(std::path::Path::new(file)).unwrap();
        index.write().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        let sig = self.sig();
        self.repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents).unwrap()
    }

    pub fn tag(&self, name: &str) {
        let head = self.repo.head().unwrap().peel(git2::ObjectType::Commit).unwrap();
        self.repo.tag(name, &head, &self.sig(), &format!("Release {name}"), false).unwrap();
    }
}
